/** What route handlers work with: built once per server by src/api/server.ts. */
import type { App } from '../app.ts';
import { loadBuiltinPack, type BuiltinPackName } from '../policy/pack-loader.ts';
import type { RulePack } from '../policy/rule-pack.ts';
import { ConsentWriter } from './consent-writer.ts';
import { KeyCache } from './key-cache.ts';
import { LiveFacts } from './live-facts.ts';
import { SerialQueue } from './serial-queue.ts';
import { loadOrCreateTokenSecret, SubjectTokens } from './subject-tokens.ts';

export interface Services {
  readonly app: App;
  readonly live: LiveFacts;
  readonly writer: ConsentWriter;
  readonly tokens: SubjectTokens;
  readonly keys: KeyCache;
  /** Built-in rule packs only: a request never names a file on the server. */
  pack(name: BuiltinPackName): RulePack;
  now(): number;
  /** Signs a tree head when the ledger has grown (serialised: one signer at a time). */
  seal(): Promise<void>;
}

export async function buildServices(app: App, now: () => number = Date.now): Promise<Services> {
  const live = await LiveFacts.load(app.store);
  // The store builds its subject-key index on first use: a pause of seconds on a large store,
  // taken here before the server is ready rather than by the first request.
  await app.store.subjectOrdinals(new Uint8Array(32));
  const packs = new Map<BuiltinPackName, RulePack>();
  const sealing = new SerialQueue();
  return {
    app,
    live,
    writer: new ConsentWriter(app.store, live),
    tokens: new SubjectTokens(loadOrCreateTokenSecret(app.store.keyFolder)),
    keys: new KeyCache(app.store),
    pack(name) {
      let p = packs.get(name);
      if (!p) packs.set(name, (p = loadBuiltinPack(name)));
      return p;
    },
    now,
    seal: () => sealing.run(async () => void (await app.seal())),
  };
}
