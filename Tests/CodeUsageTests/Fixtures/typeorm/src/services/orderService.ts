import { Repository } from "typeorm";
import { Order } from "../entity/Order";

export async function pendingCount(repo: Repository<Order>): Promise<number> {
  return repo
    .createQueryBuilder("order")
    .where("order.legacy_status = :status", { status: "pending" })
    .getCount();
}

export function normalise(input: string): string {
  const legacyStatus = input.trim();
  return legacyStatus.toUpperCase();
}
