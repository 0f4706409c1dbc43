/** The play-count confidence lives with the listener fold-in it also serves (src/catalog/confidence.ts). */
export { confidence, CONFIDENCE_DEFAULTS, type ConfidenceMode, type ConfidenceOptions } from '../../src/catalog/confidence';
