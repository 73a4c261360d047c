/** What `bulwark sign` and `bulwark verify` share: which files of the model count, where the signature is, output. */
export interface OmsModelOptions {
  /** Signature (bundle) path; default `<model>/model.sig` or `<model>.sig`. */
  signature?: string;
  ignorePaths: string[];
  ignoreGitPaths: boolean;
  allowEmpty: boolean;
  format: 'text' | 'json';
  certificateChain: string[];
}

/** Reads the shared options from commander's parsed values (defaults as the commands declare them). */
export function omsModelOptions(o: Record<string, unknown>): OmsModelOptions {
  return {
    signature: o.signature as string | undefined,
    ignorePaths: (o.ignorePaths as string[]) ?? [],
    ignoreGitPaths: o.ignoreGitPaths !== false,
    allowEmpty: o.allowEmpty === true,
    format: (o.format as 'text' | 'json') ?? 'text',
    certificateChain: (o.certificateChain as string[]) ?? [],
  };
}
