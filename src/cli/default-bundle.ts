/** The bundle shipped in the package (models/default), found relative to this file, not the working directory. */
import * as path from 'node:path';

/** dist/src/cli → the package root's models/default. */
export const DEFAULT_BUNDLE_DIR = path.resolve(__dirname, '..', '..', '..', 'models', 'default');
