// Compiler/linker flags for Aravis 0.8 from pkg-config. Debian's aravis-0.8.pc lists libusb-1.0 under
// Requires.private, so `pkg-config --cflags aravis-0.8` fails when libusb-1.0-0-dev is absent although nothing of
// libusb is needed to build against the shared library: fall back to aravis's own directories plus GLib's flags.
'use strict';
const { execFileSync } = require('node:child_process');

const what = process.argv[2] === '--libs' ? '--libs' : '--cflags';
const pc = (...args) => execFileSync('pkg-config', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

let flags;
try {
  flags = pc(what, 'aravis-0.8');
} catch {
  const glib = pc(what, 'glib-2.0', 'gobject-2.0', 'gio-2.0');
  flags =
    what === '--cflags'
      ? `-I${pc('--variable=includedir', 'aravis-0.8')}/aravis-0.8 ${glib}`
      : `-L${pc('--variable=libdir', 'aravis-0.8')} -laravis-0.8 ${glib}`;
}
process.stdout.write(flags);
