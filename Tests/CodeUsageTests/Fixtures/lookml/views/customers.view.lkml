view: customers {
  sql_table_name: public.customers ;;

  dimension: status {
    type: string
    sql: ${TABLE}.legacy_status ;;
  }
}
