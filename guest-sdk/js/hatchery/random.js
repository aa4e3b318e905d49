// Math.random, seeded per instance. componentize-qjs runs the module's top level at build
// time and snapshots the engine, seed included, so every process (and every instance
// woken from hibernation) would otherwise draw the same numbers. index.js installs this
// generator in place of Math.random; it seeds itself on first use from the host: a fresh
// reference (unique within the node, so no two instances of a node share a seed) mixed
// with the node's clock. Not for cryptography: the seed is guessable.

import host from "hatchery:process/host@0.1.0";

/** xoshiro128** state: four 32-bit words, null until the first draw. */
let state = null;

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64's output function (the recommended way to seed the xoshiro family). */
function splitmix64(z) {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * The four words of a fresh state. The reference alone already differs between any two
 * instances of the node; adding the clock (times an odd constant) keeps the seeds of two
 * nodes apart too, most of the time.
 */
function seed() {
  const GAMMA = 0x9e3779b97f4a7c15n;
  let z = (BigInt(host.makeRef()) + BigInt(host.nowMs()) * GAMMA) & MASK64;
  const s = new Uint32Array(4);
  for (let i = 0; i < 2; i++) {
    z = (z + GAMMA) & MASK64;
    const r = splitmix64(z);
    s[2 * i] = Number(r & 0xffffffffn);
    s[2 * i + 1] = Number(r >> 32n);
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the one state xoshiro cannot leave
  return s;
}

function next32() {
  state ??= seed();
  const s = state;
  const rotl = (x, k) => (x << k) | (x >>> (32 - k));
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

/**
 * A number in [0, 1) with 53 random bits, like Math.random (not for cryptography). The
 * first call of an instance asks the host for its seed, so it cannot run at the module's
 * top level (build time).
 *
 * @returns {number}
 */
export function randomFloat() {
  const hi = next32() >>> 5; // 27 bits
  const lo = next32() >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}
