/** Renderer entry: connects to the station and mounts the operator UI. Browser-only code (no node imports). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './i18n/index.js';
import { App } from './App.js';
import { StationProvider } from './connection.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StationProvider>
      <App />
    </StationProvider>
  </StrictMode>,
);
