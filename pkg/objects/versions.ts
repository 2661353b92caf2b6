// Versions and version ranges (contract §1), parsed once at decode time so placement never re-parses:
// a version is strict semver ("2.10.0"; no "v", no whitespace, no missing parts); a range is a
// node-semver range, under which a prerelease does not satisfy a plain range (">=2.9.0" refuses 3.0.0-rc.1).
import { Range, SemVer } from 'semver';
import { z } from 'zod';

export interface Version {
  /** As written in etcd. */
  readonly raw: string;
  readonly semver: SemVer;
}

export interface VersionRange {
  /** As written in etcd. */
  readonly raw: string;
  readonly range: Range;
}

// The grammar of semver.org 2.0.0 (major.minor.patch, optional -prerelease and +build, no leading zeros).
const NUMERIC = '(?:0|[1-9]\\d*)';
const PRERELEASE_ID = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const BUILD_ID = '[0-9A-Za-z-]+';
export const STRICT_SEMVER = new RegExp(
  `^${NUMERIC}\\.${NUMERIC}\\.${NUMERIC}(?:-${PRERELEASE_ID}(?:\\.${PRERELEASE_ID})*)?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);

/** A strict semver string in, a parsed Version out. */
export const versionSchema = z
  .string()
  .regex(STRICT_SEMVER, 'must be a strict semver version such as 2.10.0')
  .transform((raw, ctx): Version => {
    try {
      return { raw, semver: new SemVer(raw) };
    } catch (err: unknown) {
      // The grammar passed; node-semver still refuses parts above 2^53 and strings over 256 characters.
      ctx.issues.push({ code: 'custom', input: raw, message: `must be a semver version (${errorText(err)})` });
      return z.NEVER;
    }
  });

/** A node-semver range string in, a parsed VersionRange out. */
export const versionRangeSchema = z
  .string()
  .meta({ description: 'node-semver range, e.g. ">=2.7.0 <3.0.0"; a prerelease does not satisfy a plain range' })
  .transform((raw, ctx): VersionRange => {
    try {
      return { raw, range: new Range(raw) };
    } catch (err: unknown) {
      ctx.issues.push({ code: 'custom', input: raw, message: `must be a node-semver range (${errorText(err)})` });
      return z.NEVER;
    }
  });

/** True when version satisfies range; an absent version satisfies no range (contract §1). */
export function satisfiesRange(version: Version | undefined, range: VersionRange): boolean {
  return version !== undefined && range.range.test(version.semver);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
