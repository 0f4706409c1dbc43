/** The bundle shipped in the package (models/default), found from the package root, not the working directory. */
import * as path from 'node:path';
import { packageRoot } from '../io/package-root';

export const DEFAULT_BUNDLE_DIR = path.join(packageRoot(__dirname), 'models', 'default');
