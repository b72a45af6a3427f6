/**
 * Operators' device CLI, working on the registry in DATA_DIR directly (no server needed):
 *   npm run device -- add <id> --kind <kind> --site <siteId> [--placement indoor|outdoor] [--sampling-point finished|tap|secondary] [--lat N --lon N]
 *   npm run device -- list [--site S] [--district D] [--contractor C] [--kind K]
 *   npm run device -- show <id> | disable <id> | enable <id> | rotate <id>
 *   npm run device -- sites
 * `add` and `rotate` print the password once; only its hash is stored.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { loadConfig, ConfigError } from '../contracts/config.ts';
import { openDatabase } from '../platform/sqlite.ts';
import { openRegistry, RegistryError } from './registry.ts';
import { loadDemoReference } from './seed.ts';

const USAGE = `usage: npm run device -- <command> [options]
  add <id> --kind <kind> --site <siteId> [--placement indoor|outdoor] [--sampling-point finished|tap|secondary] [--lat N --lon N] [--label TEXT]
  list [--site S] [--district D] [--contractor C] [--kind K]
  show <id>      disable <id>      enable <id>      rotate <id>
  sites          seed-demo (load the demo districts, contractors and sites)`;

function run(argv: string[]): number {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kind: { type: 'string' }, site: { type: 'string' }, placement: { type: 'string' }, 'sampling-point': { type: 'string' },
      lat: { type: 'string' }, lon: { type: 'string' }, label: { type: 'string' }, district: { type: 'string' },
      contractor: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, id] = positionals;
  if (!command || values.help) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const db = openDatabase(join(resolve(config.DATA_DIR), 'vectorwatch.db'));
  const registry = openRegistry(db);
  const print = (x: unknown) => console.log(JSON.stringify(x, null, 2));
  const needId = () => {
    if (!id) throw new RegistryError('DEVICE_NOT_FOUND', 'a device id is required');
    return id;
  };
  try {
    switch (command) {
      case 'add': {
        const cred = registry.registerDevice({
          id: needId(),
          kind: values.kind as never,
          siteId: values.site as string,
          ...(values.placement ? { placement: values.placement as 'indoor' | 'outdoor' } : {}),
          ...(values['sampling-point'] ? { samplingPoint: values['sampling-point'] as 'tap' } : {}),
          ...(values.lat && values.lon ? { location: { lat: Number(values.lat), lon: Number(values.lon) } } : {}),
          ...(values.label ? { label: values.label } : {}),
        });
        print(cred);
        console.error('The password is shown only now; store it on the device.');
        return 0;
      }
      case 'list':
        print(registry.listDevices({
          ...(values.site ? { siteId: values.site } : {}), ...(values.district ? { districtId: values.district } : {}),
          ...(values.contractor ? { contractorId: values.contractor } : {}), ...(values.kind ? { kind: values.kind as never } : {}),
        }));
        return 0;
      case 'show': {
        const d = registry.getDevice(needId());
        if (!d) throw new RegistryError('DEVICE_NOT_FOUND', `device ${id} is not registered`);
        print(d);
        return 0;
      }
      case 'disable':
      case 'enable':
        print(registry.setStatus(needId(), command === 'disable' ? 'disabled' : 'active'));
        return 0;
      case 'rotate':
        print(registry.rotateCredential(needId()));
        return 0;
      case 'sites':
        print(registry.listSites());
        return 0;
      case 'seed-demo':
        registry.upsertReference(loadDemoReference());
        console.log('demo districts, contractors and sites loaded');
        return 0;
      default:
        console.error(`unknown command ${command}\n${USAGE}`);
        return 2;
    }
  } finally {
    db.close();
  }
}

try {
  process.exitCode = run(process.argv.slice(2));
} catch (err) {
  if (err instanceof RegistryError) console.error(`${err.code}: ${err.message}`);
  else if (err instanceof ZodError) console.error(`VALIDATION_FAILED: ${err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  else if (err instanceof ConfigError) console.error(err.message);
  else throw err;
  process.exitCode = 1;
}
