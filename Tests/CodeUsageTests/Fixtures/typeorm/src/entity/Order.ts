import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("orders")
export class Order {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: "legacy_status", type: "varchar", nullable: true })
  legacyStatus!: string | null;
}
