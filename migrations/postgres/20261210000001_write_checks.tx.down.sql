DROP FUNCTION IF EXISTS scimd_check(boolean, text);
