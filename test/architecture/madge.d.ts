// The part of madge's API (a JavaScript package without typings) that the architecture tests use.
declare module 'madge' {
  interface MadgeConfig {
    fileExtensions?: string[];
    tsConfig?: string | object;
    detectiveOptions?: object;
  }
  interface MadgeResult {
    /** Each module (a path relative to the directory read) and the modules it imports. */
    obj(): Record<string, string[]>;
    /** The import cycles, each as the list of its modules. */
    circular(): string[][];
    /** The imports madge could not resolve. */
    warnings(): { skipped: string[] };
  }
  function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
  export default madge;
}
