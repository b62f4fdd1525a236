/**
 * The template metadata key under which `ReliableFunction` records a function's handler source
 * (`{ entry, handler }`), so the local runtime runs exactly that file.
 */
export const HANDLER_METADATA = 'reliable-events:handler';
