/**
 * Demo mode's people: one admin, one health-office user per district, one contractor user per contractor, each with
 * a password generated for this run (an existing account gets a fresh one), so a person can log in to the live
 * page straight from the start banner.
 */
import type { ReferenceData } from '../contracts/registry.ts';
import type { Role, Scope } from '../contracts/api/access.ts';
import { generatePassword } from './password-hash.ts';
import type { UserStore } from './users.ts';

export interface DemoLogin {
  username: string;
  password: string;
  role: Role;
  displayName: string;
}

export function demoPeople(ref: ReferenceData): { username: string; displayName: string; role: Role; scope: Scope }[] {
  return [
    { username: 'admin', displayName: '系统管理员', role: 'admin', scope: { all: true } },
    ...ref.districts.map((d) => ({ username: `office.${d.id}`, displayName: `${d.name}爱卫办`, role: 'health_office' as const, scope: { districtIds: [d.id] } })),
    ...ref.contractors.map((c) => ({ username: `contractor.${c.id}`, displayName: c.name, role: 'contractor' as const, scope: { contractorId: c.id } })),
  ];
}

export async function seedDemoPeople(users: UserStore, ref: ReferenceData, nowMs: number): Promise<DemoLogin[]> {
  const out: DemoLogin[] = [];
  for (const p of demoPeople(ref)) {
    const password = generatePassword();
    const existing = users.getByUsername(p.username);
    if (existing) await users.setPassword(existing.id, password);
    else await users.create({ ...p, password }, nowMs);
    out.push({ username: p.username, password, role: p.role, displayName: p.displayName });
  }
  return out;
}
