-- The scopes figures are shown for: each organisation with a return as its own scope, and every organisation again in the consortium's scope.
SELECT DISTINCT org, org AS scope FROM pointers
UNION ALL
SELECT DISTINCT org, 'consortium' AS scope FROM pointers
