/** Replaces a user's password hash; an unknown name matches nothing and changes nothing. */
export const SET_PASSWORD_HASH = 'MATCH (u:User {name: $name}) SET u.passwordHash = $passwordHash';
