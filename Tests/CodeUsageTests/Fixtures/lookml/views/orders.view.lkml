view: orders {
  sql_table_name: public.orders ;;

  dimension: id {
    primary_key: yes
    type: number
    sql: ${TABLE}.id ;;
  }

  dimension: legacy_status {
    type: string
    sql: ${TABLE}.legacy_status ;;
  }
}
