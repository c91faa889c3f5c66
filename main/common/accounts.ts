/**
 * Products, users, roles and the audit trail as the API carries them (issue 10 items 1 and 2). Pure: the screens
 * import the same role table the engine enforces, to hide what a role may not do (the engine still refuses it).
 */
import { z } from 'zod';

export const ROLES = ['operator', 'engineer', 'administrator'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = ['view', 'run', 'acknowledge', 'train', 'thresholds', 'products', 'sources', 'delete', 'users'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const OPERATOR: readonly Permission[] = ['view', 'run', 'acknowledge'];
const ENGINEER: readonly Permission[] = [...OPERATOR, 'train', 'thresholds', 'products', 'sources', 'delete'];

/** Operator: run, pause, acknowledge, view. Engineer: also train, thresholds, products, sources, delete. Administrator: also users. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  operator: OPERATOR,
  engineer: ENGINEER,
  administrator: [...ENGINEER, 'users'],
};

/** null = open mode (no administrator account yet): everything. */
export function permissionsOf(role: Role | null): readonly Permission[] {
  return role === null ? PERMISSIONS : ROLE_PERMISSIONS[role];
}

/** The least role that has `p`. */
export function roleFor(p: Permission): Role {
  return OPERATOR.includes(p) ? 'operator' : p === 'users' ? 'administrator' : 'engineer';
}

export interface AuthState {
  /** 'open': no administrator account yet, everything allowed (actor 'local'). */
  readonly mode: 'open' | 'enforced';
  readonly kiosk: boolean;
  readonly idleMinutes: number;
  readonly user: { readonly name: string; readonly displayName: string; readonly role: Role } | null;
  /** Who this connection acts as: the user, 'local' (open mode), 'kiosk', or 'anonymous' (no rights). */
  readonly actor: string;
  readonly permissions: readonly Permission[];
}

export interface UserDto {
  readonly name: string;
  readonly displayName: string;
  readonly role: Role;
  readonly secretKind: 'password' | 'pin';
  readonly disabled: boolean;
  readonly locked: boolean;
  readonly lockedUntil: string | null;
  readonly failedAttempts: number;
  readonly lastLoginAt: string | null;
  readonly createdAt: string;
}

export interface ProductDto {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly activeModelId: string | null;
  readonly activeModelName: string | null;
  readonly modelCount: number;
  /** preprocessing / registration / source / outputs / retention sections (free JSON each). */
  readonly settings: { readonly [section: string]: unknown };
  readonly archived: boolean;
  /** The index a PLC / MQTT "select product" names it by; null = none. */
  readonly lineIndex: number | null;
  /** The current lot, recorded with every log row of this product. */
  readonly lotName: string;
  /** The product being inspected now. */
  readonly current: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AuditEntryDto {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly old: unknown;
  readonly new: unknown;
  readonly reason: string;
  readonly productId: string | null;
}

export interface AuditPageDto {
  readonly items: readonly AuditEntryDto[];
  /** Pass as `beforeId` for the next (older) page; null on the last. */
  readonly next: number | null;
}

const userName = z
  .string()
  .trim()
  .min(1, 'a user name is required')
  .max(64)
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits and . _ @ - only');
const roleSchema = z.enum(ROLES);
const secret = z.string().min(1, 'a password or PIN is required').max(256);
const productName = z.string().trim().min(1, 'a name is required').max(200);
const productId = z.string().trim().min(1).max(200);
const reason = z.string().trim().max(1000).optional();
const lineIndex = z.number().int().min(0).max(65535).nullable();
const settings = z.record(z.string(), z.unknown());

export const LoginSchema = z.object({ name: userName, secret });
export const CreateUserSchema = z.object({
  name: userName,
  displayName: z.string().trim().max(200).optional(),
  role: roleSchema,
  secretKind: z.enum(['password', 'pin']),
  secret,
});
export const UpdateUserSchema = z.object({
  name: userName,
  displayName: z.string().trim().max(200).optional(),
  role: roleSchema.optional(),
  secretKind: z.enum(['password', 'pin']).optional(),
  secret: secret.optional(),
  disabled: z.boolean().optional(),
  unlock: z.boolean().optional(),
});
export const AuthConfigureSchema = z.object({ kiosk: z.boolean().optional(), idleMinutes: z.number().int().min(0).max(1440).optional() });

export const AuditQuerySchema = z.object({
  limit: z.number().int().min(1).max(500).default(100),
  beforeId: z.number().int().positive().optional(),
  actor: z.string().max(200).optional(),
  /** Exact, or a prefix ending in '.' ('product.'). */
  action: z.string().max(100).optional(),
  productId: productId.optional(),
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
});
export type AuditQueryDto = z.input<typeof AuditQuerySchema>;

export const CreateProductSchema = z.object({ name: productName, description: z.string().max(2000).optional(), lineIndex: lineIndex.optional(), settings: settings.optional(), reason });
export const CloneProductSchema = z.object({ id: productId, name: productName, reason });
export const UpdateProductSchema = z.object({
  id: productId,
  name: productName.optional(),
  description: z.string().max(2000).optional(),
  settings: settings.optional(),
  lineIndex: lineIndex.optional(),
  archived: z.boolean().optional(),
  reason,
});
export const UseProductSchema = z.object({ id: productId, reason });
export const SetLotSchema = z.object({ name: z.string().trim().max(200), reason });
