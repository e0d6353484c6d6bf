declare module 'asl-validator' {
  interface AslValidationResult {
    isValid: boolean;
    errors: { 'Error code'?: string; Message?: string; [k: string]: unknown }[];
    errorsText(separator?: string): string;
  }
  /** Validates an ASL definition (mutates its input: pass a clone). */
  export default function aslValidator(definition: unknown, opts?: Record<string, unknown>): AslValidationResult;
}
