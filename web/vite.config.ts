/**
 * The web app's build: `npm run build` writes web/dist, which `consentry serve` serves at /.
 * Everything is bundled (no CDN, no web fonts): the app never asks anything of another host.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // ECharts is most of the bundle; it is served from this machine like everything else.
    chunkSizeWarningLimit: 1500,
  },
});
