/**
 * Validation of `send` headers, the check every message pays: the hand-written checks the schemas
 * replaced (test/helpers/legacy-validate.ts) against the compiled schemas, in one process, the
 * two interleaved over several rounds so a busy shared machine skews both alike.
 * Usage: npx tsx bench/validate.ts [--iterations N] [--rounds R]; prints one JSON object.
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { validateClientFrame } from '../protocol/validate';
import { validateClientFrame as legacyValidate } from '../test/helpers/legacy-validate';

type Validate = (h: Record<string, unknown>) => { ok: boolean };

// Decoded headers as the server sees them: text messages, a reply, a snippet, and a few rejects.
const FRAMES: Record<string, unknown>[] = [
  { t: 'send', id: 1, room: 'general', cid: 'c-1', text: 'hello there' },
  { t: 'send', id: 'r2', room: 'dm:alice1:bobby2', cid: 'c-2', text: 'x'.repeat(400) },
  { t: 'send', id: 3, room: 'general', cid: 'c-3', text: 'in thread', root: 12, inRoom: true },
  { t: 'send', id: 4, room: 'dev', cid: 'c-4', snippet: { code: 'let a = 1;', language: 'ts', path: 'src/a.ts', startLine: 3, endLine: 4, fileSha256: 'a'.repeat(64) } },
];
const REJECTS: Record<string, unknown>[] = [
  { t: 'send', id: 5, room: '', cid: 'c-5' },
  { t: 'send', id: 6, room: 'general', cid: 7 },
];

function nsPer(validate: Validate, frames: Record<string, unknown>[], iterations: number): number {
  let ok = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) if (validate(frames[i % frames.length]).ok) ok++;
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  if (ok < 0) throw new Error('unreachable'); // keeps `ok` alive so the loop is not optimised away
  return ns;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;

function main(): void {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000000' }, rounds: { type: 'string', default: '15' } } });
  const iterations = Number(values.iterations);
  const rounds = Number(values.rounds);
  const impls: Record<string, Validate> = { handWritten: legacyValidate, compiledSchema: validateClientFrame };
  const samples: Record<string, { accept: number[]; reject: number[] }> = {};
  for (const name of Object.keys(impls)) {
    samples[name] = { accept: [], reject: [] };
    nsPer(impls[name], FRAMES, iterations / 4); // warm-up: compile, then let the JIT settle
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, validate] of Object.entries(impls)) {
      samples[name].accept.push(nsPer(validate, FRAMES, iterations));
      samples[name].reject.push(nsPer(validate, REJECTS, iterations / 20));
    }
  }
  const result: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(samples)) {
    // The median over rounds, and the fastest round: on a shared machine the minimum is the figure least disturbed by others.
    result[name] = {
      nsPerValidSend: round(median(s.accept)),
      nsPerValidSendMin: round(Math.min(...s.accept)),
      nsPerInvalidSend: round(median(s.reject)),
      validSendRounds: s.accept.map(round),
    };
  }
  const ratio = median(samples.compiledSchema.accept) / median(samples.handWritten.accept);
  const ratioMin = Math.min(...samples.compiledSchema.accept) / Math.min(...samples.handWritten.accept);
  console.log(
    JSON.stringify({
      benchmark: 'validate-send',
      iterations,
      rounds,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAverage: os.loadavg().map(round) },
      results: result,
      compiledOverHandWritten: Math.round(ratio * 1000) / 1000,
      compiledOverHandWrittenMin: Math.round(ratioMin * 1000) / 1000,
    }),
  );
}

main();
