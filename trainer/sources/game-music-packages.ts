/**
 * The real-music training source of the default model: Debian's game-music packages (freely licensed
 * recordings by many composers). One row per package: the version the default bundle was trained on
 * (Debian 12, bookworm) and which of its files are music — every package also ships sound effects,
 * so the rule is the package's own music folder. The packages of the test clips in
 * ../shared/data/audio (wesnoth, nexuiz, singularity, hyperrogue, megaglest, fretsonfire, asc,
 * warzone2100, ufoai) are deliberately absent: they are the held-out test recordings.
 */

export interface GameMusicPackage {
  /** Debian binary package name. */
  name: string;
  /** The version the default bundle was built from (`apt-get download name=version`). */
  version: string;
  /** Matches the package-relative path of a music file. */
  music: RegExp;
}

/** Audio extensions read; tracker modules (.it/.xm/.s3m/.mod) are decoded by ffmpeg's libopenmpt. */
export const MUSIC_EXTENSIONS = /\.(ogg|oga|opus|mp3|flac|wav|it|xm|s3m|mod)$/i;
export const TRACKER_EXTENSIONS = /\.(it|xm|s3m|mod)$/i;

/** Rendered audio under this size is a sound effect or jingle, not a track (bytes; the brief's 0.5 MB). */
export const MIN_RENDERED_BYTES = 500_000;

export const GAME_MUSIC_PACKAGES: readonly GameMusicPackage[] = [
  { name: 'supertuxkart-data', version: '1.4+dfsg-2', music: /\/supertuxkart\/data\/music\// },
  { name: 'widelands-data', version: '2:1.1-3', music: /\/widelands\/data\/music\// },
  { name: 'redeclipse-data', version: '1.6.0-1', music: /\/redeclipse\/data\/sounds\/(music\/|theme)/ },
  { name: 'colobot-common-sounds', version: '0.2.0-2', music: /\/colobot\/music\// },
  { name: 'warmux-data', version: '1:11.04.1+repack2-4', music: /\/warmux\/music\// },
  { name: 'flare-game', version: '1.14-1', music: /\/flare\/mods\/[^/]+\/music\// },
  { name: 'marsshooter-data', version: '0.7.6-7', music: /\/marsshooter\/audio\/music\// },
  { name: 'openclonk-data', version: '8.1-3', music: /\/openclonk\/Music\.ocg\// },
  { name: 'extremetuxracer-data', version: '0.8.2-1', music: /\/etr\/music\// },
  { name: 'xmoto-data', version: '0.6.1+repack-9', music: /\/xmoto\/Textures\/Musics\// },
  { name: 'freedink-data', version: '1.08.20190120-2', music: /\/dink\/dink\/Sound\/[^/]+\.ogg$/ },
  { name: 'lincity-ng-data', version: '2.9~git20150314-5', music: /\/lincity-ng\/music\// },
  { name: 'frozen-bubble-data', version: '2.212-11', music: /\/frozen-bubble\/snd\/[^/]*zik[^/]*$/ },
  { name: 'scorched3d-data', version: '44+dfsg-8', music: /\/scorched3d\/data\/globalmods\/[^/]+\/data\/music\// },
  { name: 'lugaru-data', version: '1.2-6', music: /\/lugaru\/Sounds\/Music/ },
  // Only the tracker modules of these two (the brief's rule): their rendered music is small files.
  { name: 'pingus-data', version: '0.7.6-5.1', music: /\/pingus\/data\/music\/[^/]+\.(it|xm|s3m|mod)$/i },
  { name: 'ri-li-data', version: '2.0.1+ds2-2', music: /\/ri-li\/Ri-li\/Sounds\/[^/]+\.(it|xm|s3m|mod)$/i },
];

/** The soundtrack a package is (its name without the Debian -data/-game/-common-sounds suffix). */
export function soundtrackOf(pkg: string): string {
  return pkg.replace(/-(data|game|common-sounds)$/, '');
}

/**
 * Versions of one piece (a game's "fast" variant of a race track, a module and its rendering) share
 * a key, so a split never puts one in training and the other in the held-out set.
 */
export function pieceKey(pkg: string, file: string): string {
  const stem = file.replace(/^.*\//, '').replace(/\.[^.]+$/, '').toLowerCase();
  return `${pkg}/${stem.replace(/[_-](f|fast)$/, '')}`;
}
