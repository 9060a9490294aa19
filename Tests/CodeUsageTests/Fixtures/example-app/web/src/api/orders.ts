export interface OrderView {
  id: number;
  status: string;
}

export function badge(order: { legacyStatus?: string }): string {
  return order.legacyStatus ?? "";
}
