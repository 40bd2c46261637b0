import { Column, DataType, Model, Table } from 'sequelize-typescript';

/** A product for sale. `price` is NUMERIC(12,2), read back as a string ("19.99"). */
@Table({ tableName: 'products', underscored: true })
export class Product extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  declare id: string;

  @Column({ type: DataType.TEXT, allowNull: false })
  declare name: string;

  @Column({ type: DataType.DECIMAL(12, 2), allowNull: false })
  declare price: string;

  @Column({ type: DataType.INTEGER, allowNull: false })
  declare stock: number;

  @Column({ type: DataType.TEXT, allowNull: true })
  declare sellerId: string | null;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  declare active: boolean;

  declare createdAt: Date;
  declare updatedAt: Date;
}
