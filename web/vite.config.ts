/**
 * Builds the dashboard into web/dist (`npm run build:web`), which `tempstream serve` serves. Every
 * module and stylesheet is bundled: the page loads nothing from another origin.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the page works wherever the server mounts it.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { host: '127.0.0.1', proxy: { '/api': 'http://127.0.0.1:8080' } },
});
