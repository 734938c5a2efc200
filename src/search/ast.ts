export type FieldKind = 'metric' | 'param' | 'tag' | 'attribute';
export type AttributeType = 'string' | 'number';

export interface FieldRef {
  kind: FieldKind;
  /** Metric, param or tag key; for attributes the canonical attribute name. */
  key: string;
  pos: number;
}

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'NOT LIKE' | 'NOT ILIKE';

export type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; expr: FilterExpr }
  | { kind: 'compare'; field: FieldRef; op: CompareOp; value: string | number }
  | { kind: 'in'; field: FieldRef; negated: boolean; values: string[] }
  | { kind: 'null'; field: FieldRef; negated: boolean };

export interface OrderTerm {
  field: FieldRef;
  descending: boolean;
}

/** What one searchable entity (runs, experiments, models) exposes to the grammar. */
export interface SearchSchema {
  /** Name used in messages: 'filter', 'orderBy[0]'. */
  entity: string;
  attributes: Record<string, AttributeType>;
  /** Other spellings of attribute names (`created` for `start_time`). */
  attributeAliases?: Record<string, string>;
  /** Which prefixed kinds exist for this entity. */
  kinds: ReadonlySet<Exclude<FieldKind, 'attribute'>>;
  /** Whether a bare name (`name = 'x'`) means an attribute, as in MLflow's experiment search. */
  bareAttributes: boolean;
}

export const PREFIXES: Record<string, FieldKind> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};
