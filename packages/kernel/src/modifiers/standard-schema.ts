// The Standard Schema interface (https://standardschema.dev, v1), written out
// so the kernel depends on no schema library: zod (3.24+), valibot (1+),
// arktype (2+) and others implement it.

/** A schema of any library that implements Standard Schema v1. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaV1.Props<Input, Output>;
}

/** The parts of the Standard Schema interface. */
export declare namespace StandardSchemaV1 {
  /** What a schema exposes under `~standard`. */
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  }
  /** The outcome of `validate`: the value, or the issues. */
  export type Result<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<Issue> };
  /** One problem found in the value. */
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  /** A step of an issue's path, as some libraries report it. */
  export interface PathSegment {
    readonly key: PropertyKey;
  }
}
