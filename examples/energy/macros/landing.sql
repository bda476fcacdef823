{#- The landing folder, absolute or relative to the project. -#}
{% macro landing_path() -%}
  {{ return(var('landing_path') | trim) }}
{%- endmacro %}

{#-
  Pre-hook of the file-ingesting models: stores in a DuckDB variable the
  landing files of one kind that the archive log has not seen yet (all of
  them on a first or full-refresh build). An empty list falls back to a
  header-only template file, because read_csv needs at least one file.
-#}
{% macro set_unprocessed_files(variable, kind) -%}
  {%- set archive = adapter.get_relation(database=target.database, schema=generate_schema_name('ops', none), identifier='file_archive') -%}
  SET VARIABLE {{ variable }} = (
    SELECT coalesce(
      nullif(list(file ORDER BY file), []),
      ['file_templates/{{ kind }}.csv']
    )
    FROM glob('{{ landing_path() }}/{{ kind }}/*.csv')
    {%- if is_incremental() and archive is not none %}
    WHERE parse_filename(file) NOT IN (SELECT file_name FROM {{ archive }} WHERE kind = '{{ kind }}')
    {%- endif %}
  )
{%- endmacro %}

{#- Batch number from a landing file name: readings_2024-01-01_b002.csv -> 2 -#}
{% macro batch_of(filename_column) -%}
  cast(regexp_extract(parse_filename({{ filename_column }}), '_b([0-9]+)\.csv$', 1) as integer)
{%- endmacro %}
