// `npm run manifest:elements`: custom-elements.json from the class JSDoc of <face-verify>.
export default {
  globs: ['src/element/face-verify.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      // The analyzer also lists each `dispatchEvent(new FvXEvent())` call without a name; the
      // named @fires entries already describe them.
      name: 'drop-unnamed-events',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const d of mod.declarations ?? []) {
            if (d.events) d.events = d.events.filter((e) => e.name);
          }
        }
      },
    },
  ],
};
