/** A node-opcua client session on the station's OPC UA server, for the tests. */
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type ClientSession,
  type UserIdentityInfo,
} from 'node-opcua';
import { OPCUA_NAMESPACE_URI } from '../../main/integration/opcua-nodes.js';

interface Connected {
  session: ClientSession;
  ns: number;
  close(): Promise<void>;
}

export async function connectOpcua(
  url: string,
  pkiDir: string,
  security: { mode: MessageSecurityMode; policy: SecurityPolicy },
  user: UserIdentityInfo = { type: UserTokenType.Anonymous },
): Promise<Connected> {
  const clientCertificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true });
  const client = OPCUAClient.create({
    securityMode: security.mode,
    securityPolicy: security.policy,
    endpointMustExist: false,
    clientCertificateManager,
    connectionStrategy: { maxRetry: 0, initialDelay: 100 },
  });
  await client.connect(url);
  try {
    const session = await client.createSession(user);
    const ns = (await session.readNamespaceArray()).indexOf(OPCUA_NAMESPACE_URI);
    return {
      session,
      ns,
      async close() {
        await session.close().catch(() => {});
        await client.disconnect();
      },
    };
  } catch (e) {
    await client.disconnect();
    throw e;
  }
}

