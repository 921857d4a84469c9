import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { applyToDocument, I18nProvider, initialLang } from './i18n/i18n.tsx';
import './styles.css';

// Language and direction before the first paint, so a right-to-left page never flashes left-to-right.
applyToDocument(initialLang());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
