from typing import Optional

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    legacy_status: Mapped[Optional[str]] = mapped_column(String(20))
    note: Mapped[str] = mapped_column("legacy_note", String(200))


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column("legacy_status", String(20))


order_archive = Table(
    "order_archive",
    MetaData(),
    Column("legacy_status", String(20)),
)


def pending_orders(session):
    return session.scalars(select(Order).where(Order.legacy_status == "pending")).all()
