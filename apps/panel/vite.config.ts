import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server serves this build at /panel/ (apps/server/src/plugins/panel-static.ts).
export default defineConfig({
  base: '/panel/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/api': 'http://localhost:3000', '/inbox': 'http://localhost:3000' } },
});
