/** Vite's `?url` imports (the stylesheet), without pulling vite/client's globals into the whole program. */
declare module '*.css?url' {
  const href: string;
  export default href;
}
