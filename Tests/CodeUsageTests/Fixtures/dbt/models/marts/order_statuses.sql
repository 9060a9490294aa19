{{ config(materialized='table') }}

-- legacy_status is mapped to the new status names here.
select
    id,
    legacy_status,
    status
from {{ source('shop', 'orders') }}
where legacy_status is not null
