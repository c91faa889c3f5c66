/**
 * What a native binary is built for, read from its own bytes (no `file` command): the OS and CPU from the ELF, PE or
 * Mach-O header, and for Node addons the ABI they were compiled against (`node_register_module_v<N>` for V8-API
 * addons such as better-sqlite3, `napi_register_module_v1` for N-API ones, which load in Node and Electron alike).
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export type TargetOs = 'linux' | 'win32' | 'darwin';
export type TargetArch = 'x64' | 'arm64' | 'ia32' | 'arm';
export interface BinaryTarget {
  readonly os: TargetOs;
  /** null for a universal (fat) Mach-O. */
  readonly arch: TargetArch | null;
}

/** File names that are native code the packaged app may load. */
export const NATIVE_FILE = /\.(node|so(\.\d+)*|dll|dylib|exe)$/i;

function head(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

const ELF_MACHINE: Record<number, TargetArch> = { 0x3e: 'x64', 0xb7: 'arm64', 0x03: 'ia32', 0x28: 'arm' };
const PE_MACHINE: Record<number, TargetArch> = { 0x8664: 'x64', 0xaa64: 'arm64', 0x014c: 'ia32', 0x01c4: 'arm' };
const MACHO_CPU: Record<number, TargetArch> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };

/** The OS/CPU a binary is for, or null when the file is not an ELF, PE or Mach-O binary. */
export function binaryTarget(file: string): BinaryTarget | null {
  const b = head(file, 4096);
  if (b.length < 64) return null;
  if (b.readUInt32BE(0) === 0x7f454c46) {
    const le = b[5] === 1;
    const machine = le ? b.readUInt16LE(18) : b.readUInt16BE(18);
    return { os: 'linux', arch: ELF_MACHINE[machine] ?? null };
  }
  if (b[0] === 0x4d && b[1] === 0x5a) {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 6 <= b.length && b.readUInt32BE(pe) === 0x50450000) return { os: 'win32', arch: PE_MACHINE[b.readUInt16LE(pe + 4)] ?? null };
    return { os: 'win32', arch: null };
  }
  const magic = b.readUInt32LE(0);
  if (magic === 0xfeedfacf || magic === 0xfeedface) return { os: 'darwin', arch: MACHO_CPU[b.readUInt32LE(4)] ?? null };
  if (b.readUInt32BE(0) === 0xcafebabe) return { os: 'darwin', arch: null };
  return null;
}

/** The Node ABI a native addon needs: a module version number, 'napi' (any runtime), or null (not an addon). */
export function addonAbi(file: string): number | 'napi' | null {
  const text = readFileSync(file).toString('latin1');
  const v8 = /node_register_module_v(\d+)/.exec(text);
  if (v8) return Number(v8[1]);
  return text.includes('napi_register_module_v1') ? 'napi' : null;
}
