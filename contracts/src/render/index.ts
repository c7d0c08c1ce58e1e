export * from './error.ts';
export * from './capture-parse.ts';
export * from './capture-eval.ts';
export * from './template.ts';
export * from './templated-schema.ts';
export * from './check.ts';
export * from './render.ts';
