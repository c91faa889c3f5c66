/**
 * A test double of the `electron` module for running the packaged main process (app.asar's main.js) under plain
 * Node: app, protocol, session, net, BrowserWindow, ipcMain, dialog and shell, recording what the app does with
 * them. It never fakes the app's own behaviour: the protocol handlers, IPC relay and engine worker are the real
 * ones from the package. `double` is the test's handle (not part of Electron's API).
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let ready = false;
let resolveReady;
const readyPromise = new Promise((r) => (resolveReady = r));

export const double = {
  /** [{ schemes, beforeReady }] for every registerSchemesAsPrivileged call. */
  privileged: [],
  /** scheme -> { handler, beforeReady } */
  handlers: new Map(),
  windows: [],
  ipcListeners: new Map(),
  errorBoxes: [],
  quitCalls: 0,
  exitCodes: [],
  permissionRequest: null,
  permissionCheck: null,
  emitReady() {
    ready = true;
    app.emit('ready');
    resolveReady();
  },
};

class App extends EventEmitter {
  isPackaged = true;
  whenReady() {
    return readyPromise;
  }
  isReady() {
    return ready;
  }
  getPath(name) {
    if (name !== 'userData') throw new Error(`electron double: app.getPath('${name}') is not supported`);
    return process.env.DOUBLE_USER_DATA;
  }
  getVersion() {
    return '0.0.0-double';
  }
  quit() {
    double.quitCalls++;
    this.emit('quit-called');
  }
  exit(code = 0) {
    double.exitCodes.push(code);
    this.emit('exit-called', code);
  }
}
export const app = new App();

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    double.privileged.push({ schemes: structuredClone(schemes), beforeReady: !ready });
  },
  handle(scheme, handler) {
    double.handlers.set(scheme, { handler, beforeReady: !ready });
  },
};

export const net = {
  /** Electron's net.fetch for file: URLs (what the app uses it for): the file's bytes, or a rejection. */
  async fetch(url) {
    const u = new URL(url);
    if (u.protocol !== 'file:') throw new Error(`electron double: net.fetch(${url}) is not a file URL`);
    const body = await readFile(fileURLToPath(u));
    return new Response(body, { status: 200 });
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler(h) {
      double.permissionRequest = h;
    },
    setPermissionCheckHandler(h) {
      double.permissionCheck = h;
    },
  },
};

let nextContentsId = 1;
class WebContents extends EventEmitter {
  id = nextContentsId++;
  url = '';
  sent = [];
  destroyed = false;
  windowOpenHandler = null;
  send(channel, msg) {
    this.sent.push({ channel, msg });
    this.emit('ipc-to-renderer', channel, msg);
  }
  isDestroyed() {
    return this.destroyed;
  }
  getURL() {
    return this.url;
  }
  setWindowOpenHandler(h) {
    this.windowOpenHandler = h;
  }
}

export class BrowserWindow extends EventEmitter {
  static focused = null;
  static getFocusedWindow() {
    return BrowserWindow.focused;
  }
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    this.loaded = [];
    this.shown = false;
    double.windows.push(this);
    BrowserWindow.focused = this;
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url) {
    this.loaded.push(url);
    this.webContents.url = url;
    queueMicrotask(() => this.emit('ready-to-show'));
  }
  show() {
    this.shown = true;
  }
}

export const ipcMain = {
  on(channel, listener) {
    const l = double.ipcListeners.get(channel) ?? [];
    l.push(listener);
    double.ipcListeners.set(channel, l);
  },
  removeAllListeners(channel) {
    double.ipcListeners.delete(channel);
  },
  handle() {
    throw new Error('electron double: ipcMain.handle is not used by the app');
  },
};

export const dialog = {
  async showOpenDialog() {
    return { canceled: true, filePaths: [] };
  },
  showErrorBox(title, content) {
    double.errorBoxes.push({ title, content });
  },
};

export const shell = {
  async openExternal() {},
};

export default { app, protocol, net, session, BrowserWindow, ipcMain, dialog, shell };
