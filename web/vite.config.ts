import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The daemon serves dist/index.html at "/" and dist/assets/* at "/assets/...".
export default defineConfig({
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: {
          'element-plus': ['element-plus'],
          vue: ['vue', 'vue-router', 'vue-i18n'],
        },
      },
    },
  },
  server: {
    // `npm run dev` proxies the API to a local daemon.
    proxy: {
      '/api': process.env.HOTLINE_URL || 'http://127.0.0.1:18080',
    },
  },
})
