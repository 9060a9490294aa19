import { PrismaClient } from "@prisma/client";

const prisma = new PrismaClient();

export async function pendingOrders() {
  return prisma.order.findMany({ where: { legacyStatus: "pending" } });
}
