import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { findBot } from './bots.repository.js';
import { botNotFound } from './bots.service.js';

/** How a bot's widget looks: header title, colour, avatar. The greeting is the flow's. */
export interface BotAppearance {
  /** null: the built-in "Chat with us" in the visitor's language */
  title: string | null;
  /** #rrggbb: launcher, header, the visitor's bubbles */
  color: string;
  /** an http(s) image shown in the header; null for none */
  avatarUrl: string | null;
}

export const DEFAULT_APPEARANCE: BotAppearance = { title: null, color: '#2f5bea', avatarUrl: null };
export const COLOR_PATTERN = '^#[0-9a-fA-F]{6}$';

export function appearanceOf(settingsJson: string): BotAppearance {
  const settings = JSON.parse(settingsJson) as { appearance?: Partial<BotAppearance> };
  return { ...DEFAULT_APPEARANCE, ...settings.appearance };
}

export async function getAppearance(db: Kysely<DB>, accountId: string, botId: string): Promise<BotAppearance> {
  const bot = await findBot(db, accountId, botId);
  if (!bot) throw botNotFound(botId);
  return appearanceOf(bot.settings);
}

function checkAvatarUrl(url: string | null | undefined): void {
  if (url === null || url === undefined) return;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {}
  // Shown as an <img> on customers' websites: only plain web addresses, never javascript: or data:.
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:'))
    throw AppError.validation([{ field: 'avatarUrl', value: url, message: 'must be an http(s) URL' }]);
}

export async function updateAppearance(
  db: Kysely<DB>,
  accountId: string,
  botId: string,
  patch: Partial<BotAppearance>,
  now = Date.now(),
): Promise<BotAppearance> {
  const bot = await findBot(db, accountId, botId);
  if (!bot) throw botNotFound(botId);
  checkAvatarUrl(patch.avatarUrl);
  const title = patch.title === undefined ? undefined : patch.title?.trim() || null;
  const appearance = { ...appearanceOf(bot.settings), ...patch, ...(title === undefined ? {} : { title }) };
  if (patch.color) appearance.color = patch.color.toLowerCase();
  const settings = JSON.parse(bot.settings) as Record<string, unknown>;
  await db
    .updateTable('bots')
    .set({ settings: JSON.stringify({ ...settings, appearance }), updatedAt: now })
    .where('accountId', '=', accountId)
    .where('id', '=', botId)
    .execute();
  return appearance;
}

/** White or near-black text on the bot's colour, whichever contrasts more (WCAG relative luminance). */
export function textColorOn(hex: string): string {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#ffffff' : '#111827';
}
