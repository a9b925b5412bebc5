-- scimd_check(ok, code) is true when ok is, and otherwise aborts the statement
-- it is part of with SQLSTATE SD001 and code as the message. The server sends a
-- write transaction whose statements need no answer as one statement of
-- data-modifying CTEs, in one round trip (store/sqlstore/deferred.go); the
-- conditions the transaction would have checked between its statements (the
-- group is the tenant's, every new member a user of the tenant) are checked by
-- this function in that statement's final SELECT, so that the statement undoes
-- itself whole when one does not hold.
CREATE FUNCTION scimd_check(ok boolean, code text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'SD001', MESSAGE = code;
    END IF;
    RETURN true;
END
$$;
