/** Text files imported with `?raw` (bundled by esbuild's raw-text plugin and read by Vitest). */
declare module '*?raw' {
  const text: string;
  export default text;
}
