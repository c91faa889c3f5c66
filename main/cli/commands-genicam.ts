/**
 * `station genicam list | features CAMERA | get CAMERA NAME | set CAMERA NAME VALUE | exec CAMERA NAME`: GenICam
 * cameras from the command line (the same feature browser as the Live screen's). Values are parsed as numbers or
 * booleans when they look like one; the camera's limits and entries come back in the error of a refused value.
 */
import { Command } from 'commander';
import { StationFault } from '../common/result.js';
import { GenicamService } from '../services/genicam.js';
import { table } from './output.js';

function parseValue(v: string): string | number | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

export function genicamCommand(): Command {
  const svc = new GenicamService();
  const done = () => svc.dispose();
  const cmd = new Command('genicam').description('GenICam cameras (GigE Vision / USB3 Vision through Aravis): list, read and write features');
  cmd
    .command('list')
    .description('cameras answering discovery')
    .action(async () => {
      const s = svc.status();
      if (!s.available) throw new StationFault('not-found', `${s.reason}. Install: ${s.install}`);
      const cams = await svc.list();
      console.log(cams.length ? table(['id', 'vendor', 'model', 'serial', 'address', 'protocol'], cams.map((c) => [c.id, c.vendor, c.model, c.serial, c.address, c.protocol])) : 'no camera found');
    });
  cmd
    .command('features <camera>')
    .description("the camera's features with their current values")
    .action(async (camera: string) => {
      const rows: (string | number | null)[][] = [];
      for (const f of await svc.features({ camera })) {
        const v = f.type === 'Command' || f.type === 'Register' ? null : await svc.getFeature({ camera, name: f.name }).catch((e: Error) => ({ value: `(${e.message})`, entries: undefined }));
        rows.push([f.category || '-', f.name, f.type, v ? String(v.value ?? '-') : null, v?.entries ? v.entries.join('|') : null]);
      }
      console.log(table(['category', 'feature', 'type', 'value', 'entries'], rows));
      await done();
    });
  cmd
    .command('get <camera> <name>')
    .description('one feature (value, limits, entries) as JSON')
    .action(async (camera: string, name: string) => {
      console.log(JSON.stringify(await svc.getFeature({ camera, name }), null, 2));
      await done();
    });
  cmd
    .command('set <camera> <name> <value>')
    .description('writes a feature; prints it as read back')
    .action(async (camera: string, name: string, value: string) => {
      console.log(JSON.stringify(await svc.setFeature({ camera, name, value: parseValue(value) }), null, 2));
      await done();
    });
  cmd
    .command('exec <camera> <name>')
    .description('executes a command feature (TriggerSoftware, UserSetLoad, ...)')
    .action(async (camera: string, name: string) => {
      await svc.execute({ camera, name });
      await done();
    });
  return cmd;
}
