// `node --import ./register.mjs app.js`: installs the `electron` test double before the app's first import.
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
