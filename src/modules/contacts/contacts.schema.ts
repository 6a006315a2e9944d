// Contact shapes shared by the API, the import and the console (web/ may import this file: keep it free of server code).

export const personas = ['executive_sponsor', 'champion', 'admin', 'end_user', 'buyer', 'other'] as const;
export type Persona = (typeof personas)[number];
