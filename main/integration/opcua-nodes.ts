/**
 * The OPC UA station object as a PLC programmer sees it: node ids, data types and access. Pure (no node-opcua
 * import) so the README, the Integration screen and the server share one list.
 */
import type { LineSignals } from '../common/line-io.js';

export const OPCUA_NAMESPACE_URI = 'urn:inspection-station:line';
export const OPCUA_RESOURCE_PATH = '/UA/InspectionStation';
/** Browse name of the station object under Objects; node ids are `ns=<index of OPCUA_NAMESPACE_URI>;s=Station.<Name>`. */
export const OPCUA_OBJECT = 'Station';

export type OpcuaType = 'Boolean' | 'Double' | 'UInt32' | 'UInt16' | 'String';

export interface OpcuaVariableSpec {
  readonly name: string;
  readonly type: OpcuaType;
  readonly writable: boolean;
  readonly signal: keyof LineSignals;
  readonly description: string;
}

export const OPCUA_VARIABLES: readonly OpcuaVariableSpec[] = [
  { name: 'TriggerReady', type: 'Boolean', writable: false, signal: 'triggerReady', description: 'the station takes a trigger now' },
  { name: 'Busy', type: 'Boolean', writable: false, signal: 'busy', description: 'a part is being inspected' },
  { name: 'ResultsReady', type: 'Boolean', writable: false, signal: 'resultsReady', description: 'a result waits for AcknowledgeResults' },
  { name: 'ResultOK', type: 'Boolean', writable: false, signal: 'resultOk', description: 'the result on ResultsReady is OK' },
  { name: 'ResultNG', type: 'Boolean', writable: false, signal: 'resultNg', description: 'the result on ResultsReady is NG (reject the part)' },
  { name: 'Error', type: 'Boolean', writable: false, signal: 'error', description: 'the part could not be inspected (see ErrorCode); treat as reject' },
  { name: 'ErrorCode', type: 'UInt16', writable: false, signal: 'errorCode', description: '0 none, 1 unreadable image, 2 no model, 3 inference failed, 4 queue full, 5 source lost, 6 store failed, 9 internal' },
  { name: 'Score', type: 'Double', writable: false, signal: 'score', description: 'anomaly score of the result' },
  { name: 'Threshold', type: 'Double', writable: false, signal: 'threshold', description: 'threshold the verdict was made with' },
  { name: 'Sequence', type: 'UInt32', writable: false, signal: 'sequence', description: 'log row id of the result; strictly increasing, never reused' },
  { name: 'PartId', type: 'String', writable: false, signal: 'partId', description: 'part id given with Trigger, else the file name / frame id' },
  { name: 'ProductIndex', type: 'UInt16', writable: false, signal: 'productIndex', description: 'selected product (recipe); change it with SelectProduct' },
  { name: 'LotName', type: 'String', writable: true, signal: 'lotName', description: 'lot name recorded with every result (writable)' },
  { name: 'QueueDepth', type: 'UInt32', writable: false, signal: 'queueDepth', description: 'parts recorded as pending, not yet decided' },
  { name: 'QueueFull', type: 'Boolean', writable: false, signal: 'queueFull', description: 'the durable queue is full: alarm, further triggers are refused' },
  { name: 'NgRateAlarm', type: 'Boolean', writable: false, signal: 'ngRateAlarm', description: 'NG-rate alarm: at least N NG in the last M parts (per product)' },
  { name: 'NgLatched', type: 'Boolean', writable: false, signal: 'ngLatched', description: 'an NG waits for the operator\'s acknowledgement on the Live screen' },
];

export interface OpcuaMethodSpec {
  readonly name: 'Trigger' | 'AcknowledgeResults' | 'SelectProduct';
  readonly inputs: readonly { name: string; type: OpcuaType }[];
  readonly outputs: readonly { name: string; type: OpcuaType }[];
  readonly description: string;
}

export const OPCUA_METHODS: readonly OpcuaMethodSpec[] = [
  {
    name: 'Trigger',
    inputs: [{ name: 'PartId', type: 'String' }],
    outputs: [
      { name: 'Accepted', type: 'Boolean' },
      { name: 'PartId', type: 'String' },
      { name: 'Reason', type: 'String' },
    ],
    description: 'inspect one part (PartId may be empty); Accepted=false with Reason busy | queue-full | not-running',
  },
  { name: 'AcknowledgeResults', inputs: [], outputs: [], description: 'the PLC has read the result: ResultsReady goes low, then TriggerReady high' },
  { name: 'SelectProduct', inputs: [{ name: 'Index', type: 'UInt16' }], outputs: [], description: 'switch product (recipe); BadInvalidArgument when the index is unknown' },
];
