// WebAuthn JSON <-> browser objects. The API sends the options as the
// go-webauthn JSON (base64url strings for binary fields) and takes the
// credential back in the same JSON form (PublicKeyCredential.toJSON()).

function b64urlToBuf(s: string): ArrayBuffer {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function bufToB64url(b: ArrayBuffer): string {
  const bytes = new Uint8Array(b);
  let bin = "";
  for (const x of bytes) bin += String.fromCharCode(x);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function supported(): boolean {
  return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

function credentialJSON(c: PublicKeyCredential): any {
  const r: any = c.response;
  const response: any = { clientDataJSON: bufToB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = bufToB64url(r.attestationObject);
    if (typeof r.getTransports === "function") response.transports = r.getTransports();
  }
  if (r.authenticatorData) response.authenticatorData = bufToB64url(r.authenticatorData);
  if (r.signature) response.signature = bufToB64url(r.signature);
  if (r.userHandle) response.userHandle = bufToB64url(r.userHandle);
  return {
    id: c.id,
    rawId: bufToB64url(c.rawId),
    type: c.type,
    response,
    clientExtensionResults: c.getClientExtensionResults(),
    authenticatorAttachment: (c as any).authenticatorAttachment ?? undefined,
  };
}

export async function create(publicKey: any): Promise<any> {
  const o: any = { ...publicKey };
  o.challenge = b64urlToBuf(publicKey.challenge);
  o.user = { ...publicKey.user, id: b64urlToBuf(publicKey.user.id) };
  if (publicKey.excludeCredentials) o.excludeCredentials = publicKey.excludeCredentials.map((c: any) => ({ ...c, id: b64urlToBuf(c.id) }));
  const c = (await navigator.credentials.create({ publicKey: o })) as PublicKeyCredential | null;
  if (!c) throw new Error("no credential");
  return credentialJSON(c);
}

export async function get(publicKey: any): Promise<any> {
  const o: any = { ...publicKey };
  o.challenge = b64urlToBuf(publicKey.challenge);
  if (publicKey.allowCredentials) o.allowCredentials = publicKey.allowCredentials.map((c: any) => ({ ...c, id: b64urlToBuf(c.id) }));
  const c = (await navigator.credentials.get({ publicKey: o })) as PublicKeyCredential | null;
  if (!c) throw new Error("no credential");
  return credentialJSON(c);
}
