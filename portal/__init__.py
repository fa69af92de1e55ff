"""The report portal: a small web application on loopback that lists reconciliation nights, serves
each night's report files to the roles that may see them, and lets authorised people approve or
reject proposed corrections. Every sign-in, download and decision is in the audit log."""
