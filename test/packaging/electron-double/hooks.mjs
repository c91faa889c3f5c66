// Module hooks: the bare specifier `electron` resolves to the test double, everything else as usual.
const DOUBLE = new URL('./electron.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: DOUBLE, shortCircuit: true };
  return next(specifier, context);
}
