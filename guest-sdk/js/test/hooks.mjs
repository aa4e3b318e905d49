// Module resolution hooks for the tests: the world's one import, hatchery:process/host,
// resolves to the fake here.
const FAKES = {
  "hatchery:process/host@0.1.0": "./fake-host.mjs",
};

export async function resolve(specifier, context, next) {
  const fake = FAKES[specifier];
  if (fake !== undefined) return { url: new URL(fake, import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
