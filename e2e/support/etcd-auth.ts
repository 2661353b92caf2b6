// Authentication and roles on a test etcd, set up the way an operator would with etcdctl
// (docs/operations.md): a root user, roles granting read or write on key prefixes, users holding
// roles; then auth is enabled and etcd itself judges every call. schedulerGrants() is the least the
// scheduler needs (contract §1): read and watch all of PREFIX/, write only PREFIX/scheduler/.
import type { IOptions } from 'etcd3';
import { Etcd3 } from 'etcd3';

export type Permission = 'Read' | 'Write' | 'Readwrite';

/** A permission on every key that starts with prefix. */
export interface PrefixGrant {
  readonly permission: Permission;
  readonly prefix: string;
}

export interface EtcdAuthSetup {
  /** The root user's password (etcd needs a root user before auth can be enabled). */
  readonly rootPassword: string;
  /** Role name -> its grants. */
  readonly roles: Readonly<Record<string, readonly PrefixGrant[]>>;
  /**
   * User name -> password and roles. With client-certificate auth, a user named as a certificate's
   * CN needs no password to be used; etcd still asks for one at creation.
   */
  readonly users: Readonly<Record<string, { readonly password: string; readonly roles: readonly string[] }>>;
}

/** The scheduler's least privilege under PREFIX: read on PREFIX/, readwrite on PREFIX/scheduler/. */
export function schedulerGrants(prefix: string): PrefixGrant[] {
  return [
    { permission: 'Read', prefix: `${prefix}/` },
    { permission: 'Readwrite', prefix: `${prefix}/scheduler/` },
  ];
}

/**
 * Creates the roles and users and enables auth, through a client made from client (hosts and, for
 * https, credentials), which must be allowed to do so: before auth is on, anyone is.
 */
export async function enableAuth(client: IOptions, setup: EtcdAuthSetup): Promise<void> {
  const admin = new Etcd3(client);
  try {
    await admin.user('root').create(setup.rootPassword);
    await admin.user('root').addRole('root');
    for (const [role, grants] of Object.entries(setup.roles)) {
      await admin.role(role).create();
      for (const g of grants) await admin.role(role).grant({ permission: g.permission, range: admin.range({ prefix: g.prefix }) });
    }
    for (const [user, { password, roles }] of Object.entries(setup.users)) {
      await admin.user(user).create(password);
      for (const role of roles) await admin.user(user).addRole(role);
    }
    await admin.auth.authEnable();
  } finally {
    admin.close();
  }
}
