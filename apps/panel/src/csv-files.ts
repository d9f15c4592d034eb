/** Hands a downloaded file to the browser, as if its link had been clicked. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The file name a response suggests (Content-Disposition), or the fallback. */
export function suggestedName(response: Response, fallback: string): string {
  const header = response.headers.get('content-disposition') ?? '';
  return /filename="([^"]+)"/.exec(header)?.[1] ?? fallback;
}

/** `people.csv` -> `people`, for naming the files made from it. */
export const baseName = (name: string) => name.replace(/\.[^.]+$/, '') || 'import';
