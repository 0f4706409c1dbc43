/** An empty user catalogue in `dir` for a bundle's model, as `earshot catalog init` makes it (the bundle is loaded only for that). */
import { loadBundle } from '../../src/model/bundle';
import { initUserCatalog, type UserCatalogManifest } from '../../src/model/user-catalog';

export async function emptyUserCatalog(dir: string, bundleDir: string): Promise<UserCatalogManifest> {
  const bundle = await loadBundle(bundleDir);
  try {
    return initUserCatalog(dir, bundle);
  } finally {
    await bundle.close();
  }
}
